// The demo people's debts, assets and incomes, written as the API's request bodies. Recorded at
// start-up when seedDemo is on, and exported so the dossier, the launcher and their tests can
// refer to the same figures. The documents are the first three CPFs and the first CNPJ of the
// test consortium (packages/testkit's DOCUMENTS), copied here: src never imports the testkit.

export interface DemoDebt {
  amount: string;
  date: string;
  creditor: string;
}

export interface DemoHolding {
  amount: string;
  description: string;
}

export interface DemoPerson {
  /** CPF or CNPJ, digits only. */
  document: string;
  debts: readonly DemoDebt[];
  assets: readonly DemoHolding[];
  /** Monthly amounts. */
  incomes: readonly DemoHolding[];
}

/** The client id the demo items are recorded under (their idempotency keys are scoped to it). */
export const DEMO_CLIENT_ID = 'demo-seed';

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    document: '11144477735',
    debts: [
      { amount: '1000.00', date: '2024-07-07', creditor: 'Financeira Horizonte' },
      { amount: '350.90', date: '2024-11-20', creditor: 'Cartão Aurora' },
    ],
    assets: [
      { amount: '42000.00', description: 'Carro' },
      { amount: '15000.00', description: 'Poupança' },
    ],
    incomes: [{ amount: '5200.00', description: 'Salário' }],
  },
  {
    document: '52998224725',
    debts: [{ amount: '12500.00', date: '2023-03-15', creditor: 'Crédito Imobiliário Sul' }],
    assets: [{ amount: '380000.00', description: 'Apartamento' }],
    incomes: [
      { amount: '8900.00', description: 'Salário' },
      { amount: '1500.00', description: 'Aluguel de garagem' },
    ],
  },
  {
    document: '39053344705',
    debts: [],
    assets: [{ amount: '2300.00', description: 'Moto' }],
    incomes: [{ amount: '2100.00', description: 'Pró-labore' }],
  },
  {
    document: '11222333000181',
    debts: [
      { amount: '250000.00', date: '2024-01-31', creditor: 'Banco de Fomento' },
      { amount: '18000.00', date: '2024-09-10', creditor: 'Fornecedor Atlas' },
    ],
    assets: [
      { amount: '600000.00', description: 'Galpão industrial' },
      { amount: '95000.00', description: 'Maquinário' },
    ],
    incomes: [{ amount: '120000.00', description: 'Faturamento médio' }],
  },
];
