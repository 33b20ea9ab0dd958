/** The deterministic simulation (test/simulation/suite.ts) in one mode: at-least-once, fenced like platformatic. */
import { simulationSuite } from '../../simulation/suite.js';

simulationSuite({ delivery: 'at-least-once', fencing: true, client: 'platformatic' });
