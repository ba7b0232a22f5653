import { describeSourceConformance } from './source-conformance.js';
import { serverSourceFixture } from './server-source-fixture.js';

describeSourceConformance('MariaDB 10.11', serverSourceFixture('mariadb'));
