import { describeSourceConformance } from './source-conformance.js';
import { serverSourceFixture } from './server-source-fixture.js';

describeSourceConformance('PostgreSQL 15', serverSourceFixture('postgres'));
