/** The deterministic simulation (test/simulation/suite.ts) in one mode: exactly-once, unfenced like kafkajs. */
import { simulationSuite } from '../../simulation/suite.js';

simulationSuite({ delivery: 'exactly-once', fencing: false, client: 'kafkajs' });
