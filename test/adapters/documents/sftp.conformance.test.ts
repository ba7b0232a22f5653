import { describeStoreConformance } from './conformance.js';
import { openSftp, serverFolder, sftpOptions } from './sftp-fixture.js';

describeStoreConformance(
  'sftp',
  async () => {
    const dir = await serverFolder('conformance');
    return { dir, open: () => openSftp(sftpOptions(dir)) };
  },
  { permissions: true },
);
