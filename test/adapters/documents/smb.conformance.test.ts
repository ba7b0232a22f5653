import { mkdir } from 'node:fs/promises';
import { describeStoreConformance } from './conformance.js';
import { openSmb, samba, smbOptions } from './smb-fixture.js';

describeStoreConformance(
  'smb',
  async () => {
    // The root is a share of its own, as the documentation advises: Samba then keeps every link
    // inside the root (wide links = no) by making the others not exist; links inside are followed
    // by the server and look like plain files. A root in a folder of a share: smb.test.ts.
    const { share, dir } = samba().rootShare;
    await mkdir(dir, { recursive: true, mode: 0o755 });
    return {
      dir,
      open: () => openSmb(smbOptions(`\\\\${samba().host}\\${share}`)),
      hidesLinksOut: true,
      listsLinks: true,
    };
  },
  { permissions: true },
);
