/** The deterministic simulation (test/simulation/suite.ts) in one mode: exactly-once, fenced like platformatic. */
import { simulationSuite } from '../../simulation/suite.js';

simulationSuite({ delivery: 'exactly-once', fencing: true, client: 'platformatic' });
