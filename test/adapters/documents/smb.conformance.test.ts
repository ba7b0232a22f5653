import path from 'node:path';
import { describeStoreConformance } from './conformance.js';
import { openSmb, samba, shareFolder } from './smb-fixture.js';

describeStoreConformance(
  'smb',
  async () => {
    const { dir, options } = await shareFolder('conformance');
    // Samba refuses a link out of the share itself ("wide links = no") and says the name is not
    // found; inside the share, links are the server's business and look like plain files.
    return {
      dir,
      open: () => openSmb(options),
      linkOutsideKind: ['not_found', 'outside_root'],
      outsideDir: path.dirname(samba().shareDir),
      listsLinks: true,
    };
  },
  { permissions: true },
);
