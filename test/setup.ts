// Shared mocha setup: tests never reach the network and never depend on wall-clock speed.
process.env.TZ = 'UTC'
