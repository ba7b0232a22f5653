import type { Entry } from '../../src/clearnox/contract.js';

export function entry(id: string, documentNumber: string, over: Partial<Entry> = {}): Entry {
  return {
    id,
    documentNumber,
    type: 'invoice',
    companyCode: 'TEST',
    accountNumber: '411TEST',
    accountName: 'Test SARL',
    entryDate: '2024-03-01',
    dueDate: null,
    amount: '100.00',
    currency: 'EUR',
    journal: 'VE',
    label: null,
    ...over,
  };
}
