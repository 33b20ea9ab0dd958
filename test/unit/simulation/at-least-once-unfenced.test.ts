/** The deterministic simulation (test/simulation/suite.ts) in one mode: at-least-once, unfenced like kafkajs. */
import { simulationSuite } from '../../simulation/suite.js';

simulationSuite({ delivery: 'at-least-once', fencing: false, client: 'kafkajs' });
