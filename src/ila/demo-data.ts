/**
 * Reference data of the ILA demo scheme (`microcred ila demo`): its providers, their offers and the names its
 * learners get. Every organisation, course and person here is fictional; the names are made up so that they
 * do not point at real ones.
 */
import type { Modality } from './model.js'

/**
 * What a provider is for in the scheme: most are `regular` (clean, with a normal share of cancellations and
 * partial exits); the others carry one planted irregularity each (see `docs/ila.md`, "Demo").
 */
export type DemoProviderRole = 'regular' | 'perfect' | 'spike' | 'withdrawn' | 'certifier' | 'unregistered'

export interface DemoTopic {
  code: string
  title: { fr: string; en: string }
  /** The catalogue's planned hours. */
  hours: number
  /** Hours the provider's course states, when it differs from the catalogue (a planted mismatch). */
  courseHours?: number
  modality: Modality
  /** List price in whole euros. */
  priceEur: number
  /** Marks out of 20 rather than pass / fail. */
  graded: boolean
  /** Completion leads to no credential. */
  noCredential?: boolean
  /** The provider awards a certification of its own (RS code). */
  selfCertified?: boolean
  /** Leads to a certification (RNCP code) the provider neither awards nor holds a habilitation for. */
  unhabilitated?: boolean
  /** Used by planted records only, never by the clean ones. */
  reserved?: boolean
}

export interface DemoProvider {
  key: string
  name: string
  street: string
  postcode: string
  city: string
  /** NUTS 3 code of the city. */
  region: string
  role: DemoProviderRole
  /** Share of the clean records, among the providers that take clean records. */
  share: number
  topics: DemoTopic[]
}

const topic = (
  code: string,
  fr: string,
  en: string,
  hours: number,
  modality: Modality,
  priceEur: number,
  extra: Partial<DemoTopic> = {},
): DemoTopic => ({ code, title: { fr, en }, hours, modality, priceEur, graded: false, ...extra })

/** The providers, in a fixed order: generation draws from them in this order. */
export const DEMO_PROVIDERS: readonly DemoProvider[] = [
  {
    key: 'p01',
    name: 'Lumenia Formation',
    street: '14 rue des Tanneurs',
    postcode: '69002',
    city: 'Lyon',
    region: 'FRK26',
    role: 'regular',
    share: 0.14,
    topics: [
      topic('PYDATA', "Python pour l'analyse de données", 'Python for data analysis', 35, 'blended', 890, {
        graded: true,
        selfCertified: true,
      }),
      topic('SQL', "SQL pour le reporting d'entreprise", 'SQL for business reporting', 21, 'online', 590, {
        graded: true,
      }),
      topic('TABLEUR', 'Tableur avancé', 'Advanced spreadsheets', 14, 'online', 290, { noCredential: true }),
    ],
  },
  {
    key: 'p02',
    name: 'Orvalis Compétences',
    street: '3 quai de la Fosse',
    postcode: '44000',
    city: 'Nantes',
    region: 'FRG01',
    role: 'regular',
    share: 0.14,
    topics: [
      topic(
        'MKTDIGI',
        "Marketing digital et mesure d'audience",
        'Digital marketing and analytics',
        35,
        'blended',
        840,
        { selfCertified: true },
      ),
      topic('ECOM', 'Gérer une boutique en ligne', 'Running an online shop', 21, 'online', 520),
      topic(
        'RGPD',
        'Conformité à la protection des données',
        'Data protection compliance',
        14,
        'online',
        420,
      ),
    ],
  },
  {
    key: 'p03',
    name: 'Kerdonis Institut',
    street: '27 rue Esquermoise',
    postcode: '59000',
    city: 'Lille',
    region: 'FRE11',
    role: 'regular',
    share: 0.14,
    topics: [
      topic('PROJET', 'Gestion de projet agile', 'Agile project management', 28, 'blended', 760, {
        selfCertified: true,
      }),
      topic(
        'MANAGER',
        "Management d'équipe pour nouveaux managers",
        'Team leadership for new managers',
        21,
        'onsite',
        690,
      ),
      topic(
        'DATAVIZ',
        'Visualisation de données et tableaux de bord',
        'Data visualisation and dashboards',
        21,
        'online',
        610,
        { graded: true },
      ),
      topic(
        'DIRDATA',
        'Programme de direction par la donnée',
        'Executive data leadership programme',
        105,
        'blended',
        3900,
        { graded: true, reserved: true },
      ),
    ],
  },
  {
    key: 'p04',
    name: 'Valmeria Académie',
    street: '8 boulevard des Dames',
    postcode: '13002',
    city: 'Marseille',
    region: 'FRL04',
    role: 'regular',
    share: 0.14,
    topics: [
      topic(
        'LOGIST',
        "Logistique d'entrepôt et gestion des stocks",
        'Warehouse logistics and inventory',
        35,
        'onsite',
        780,
      ),
      topic('SST', 'Santé et sécurité au travail', 'Workplace health and safety', 14, 'onsite', 310, {
        noCredential: true,
      }),
      topic('PAIE', 'Gestion de la paie', 'Payroll administration', 42, 'blended', 940, {
        selfCertified: true,
      }),
      topic('IMMO', 'Négociation immobilière', 'Real-estate negotiation', 70, 'onsite', 960, {
        unhabilitated: true,
        reserved: true,
      }),
    ],
  },
  {
    key: 'p05',
    name: 'Sillonne Formation',
    street: '21 quai des Bateliers',
    postcode: '67000',
    city: 'Strasbourg',
    region: 'FRF11',
    role: 'regular',
    share: 0.14,
    topics: [
      topic(
        'RESEAU',
        'Administration réseau : les bases',
        'Network administration basics',
        42,
        'blended',
        950,
        {
          graded: true,
        },
      ),
      topic('CLOUD', 'Fondamentaux du cloud', 'Cloud fundamentals', 21, 'online', 640),
      topic(
        'BIM',
        'Initiation à la maquette numérique du bâtiment',
        'Building information modelling basics',
        35,
        'onsite',
        870,
      ),
      topic(
        'COMPTA',
        'Logiciels de comptabilité : l’essentiel',
        'Accounting software essentials',
        70,
        'online',
        650,
        { courseHours: 28, reserved: true },
      ),
    ],
  },
  {
    key: 'p06',
    name: 'Brevane Campus',
    street: '5 rue Colbert',
    postcode: '37000',
    city: 'Tours',
    region: 'FRB04',
    role: 'regular',
    share: 0.14,
    topics: [
      topic('UX', "Conception de l'expérience utilisateur", 'User experience design', 35, 'blended', 880),
      topic('WEBDEV', 'Développement web front-end', 'Front-end web development', 70, 'blended', 990, {
        graded: true,
        selfCertified: true,
      }),
      topic('VENTE', 'Vente conseil', 'Consultative selling', 21, 'onsite', 560),
    ],
  },
  {
    key: 'p07',
    name: 'Excelior Express',
    street: '40 rue de la Roquette',
    postcode: '75011',
    city: 'Paris',
    region: 'FR101',
    role: 'perfect',
    share: 0.16,
    topics: [
      topic('ANGLAIS', 'Anglais professionnel (B2)', 'Business English (B2)', 30, 'online', 720, {
        graded: true,
      }),
      topic('ECRITS', 'Écrits professionnels', 'Professional writing in French', 14, 'online', 380),
      topic(
        'CLIENT',
        'Relation client et qualité de service',
        'Customer relationship and service quality',
        14,
        'onsite',
        350,
      ),
    ],
  },
  {
    key: 'p08',
    name: 'Novahorizon Compétences',
    street: '2 avenue Jean Jaurès',
    postcode: '93000',
    city: 'Bobigny',
    region: 'FR106',
    role: 'spike',
    share: 0,
    topics: [topic('BUREAU', 'Bureautique : premiers pas', 'Office software starter', 21, 'online', 450)],
  },
  {
    key: 'p09',
    name: 'Formavel Grésivaudan',
    street: '6 place Grenette',
    postcode: '38000',
    city: 'Grenoble',
    region: 'FRK24',
    role: 'withdrawn',
    share: 0,
    topics: [
      topic(
        'ENERGIE',
        'Efficacité énergétique des bâtiments',
        'Energy efficiency in buildings',
        28,
        'onsite',
        820,
        {
          reserved: true,
        },
      ),
    ],
  },
  {
    key: 'c01',
    name: 'CertiNumeris',
    street: '17 rue de Provence',
    postcode: '75009',
    city: 'Paris',
    region: 'FR101',
    role: 'certifier',
    share: 0,
    topics: [],
  },
  {
    key: 'x01',
    name: 'Global Upskill Partners',
    street: '60 rue François Ier',
    postcode: '75008',
    city: 'Paris',
    region: 'FR101',
    role: 'unregistered',
    share: 0,
    topics: [],
  },
]

/** The certification the certifier awards, prepared for by provider `p02` under a habilitation. */
export const DEMO_CERTIFICATION_TOPIC: DemoTopic = topic(
  'ANALYSTE',
  "Certificat d'analyste de données",
  'Certified data analyst',
  70,
  'blended',
  980,
  { graded: true },
)

export const DEMO_GIVEN_NAMES: readonly string[] = (
  'Camille,Louis,Inès,Hugo,Léa,Malik,Chloé,Nathan,Sarah,Théo,Manon,Yanis,Emma,Lucas,Jade,Rayan,Zoé,' +
  'Gabriel,Lina,Adam,Clara,Noah,Anaïs,Enzo,Julie,Mehdi,Pauline,Antoine,Amina,Maxime,Élise,Karim,' +
  'Margaux,Julien,Nadia,Thomas,Océane,Samuel,Lucie,Bastien'
).split(',')

export const DEMO_FAMILY_NAMES: readonly string[] = (
  'Martin,Bernard,Roux,Fontaine,Garnier,Chevalier,Mercier,Dupuis,Lambert,Bonnet,François,Girard,' +
  'André,Lefèvre,Morel,Fournier,Rousseau,Blanc,Guérin,Muller,Henry,Perrin,Morin,Mathieu,Clément,' +
  'Gauthier,Dumont,Lopez,Benali,Nguyen,Haddad,Ferreira,Da Silva,Marchand,Brun,Colin,Vidal,Caron,' +
  'Picard,Renaud'
).split(',')
