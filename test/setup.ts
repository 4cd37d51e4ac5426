// Shared mocha setup: tests never reach the network and never depend on wall-clock speed.
import * as chai from 'chai'
import chaiAsPromised from 'chai-as-promised'

chai.use(chaiAsPromised)
process.env.TZ = 'UTC'
