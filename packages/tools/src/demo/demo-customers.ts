// The demo's customers: a1 at bank A pays b1 at bank B. b1 shares details only
// with institutions or users on its allow list, and bank A is not on it yet, so
// bank B must ask b1 first. a2 carries a name from the sample sanctions list.
export const DEMO_CUSTOMERS: Record<'a' | 'b', Record<string, string>[]> = {
  a: [
    {
      name: 'a1',
      route: '2001',
      first_name: 'Amara',
      last_name: 'Diallo',
      email: 'amara.diallo@example.com',
      date_of_birth: '1990-06-21',
      address: '5 Rue du Port',
      city: 'Dakar',
      postal_code: '10200',
      country: 'SN',
      disclosure: 'public',
    },
    {
      name: 'a2',
      route: '2002',
      first_name: 'Ivan',
      middle_name: 'Petrovich',
      last_name: 'Volkov',
      email: 'ivan.volkov@example.com',
      date_of_birth: '1961-03-02',
      address: '1 Harbour Lane',
      city: 'Riga',
      postal_code: 'LV-1010',
      country: 'LV',
      disclosure: 'public',
    },
  ],
  b: [
    {
      name: 'b1',
      route: '3001',
      first_name: 'Beatriz',
      last_name: 'Costa',
      email: 'beatriz.costa@example.com',
      date_of_birth: '1988-02-14',
      address: '77 Avenida Atlântica',
      city: 'Rio de Janeiro',
      postal_code: '22010-000',
      country: 'BR',
      disclosure: 'allowed_only',
      allowed_senders: '',
    },
  ],
};
