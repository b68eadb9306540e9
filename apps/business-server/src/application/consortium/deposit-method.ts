/** How a customer deposits money at a bank's counter or app. */
export type DepositMethod = 'cash' | 'qrcode' | 'boleto';
