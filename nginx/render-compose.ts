// Writes docker/nginx/{testnet,local}.conf from @anchor/tools' renderer:
//   pnpm exec tsx nginx/render-compose.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMPOSE_BANKS, composeNginxConfig, type ComposeNetwork } from '@anchor/tools';

for (const network of Object.keys(COMPOSE_BANKS) as ComposeNetwork[]) {
  const file = fileURLToPath(new URL(`../docker/nginx/${network}.conf`, import.meta.url));
  writeFileSync(file, composeNginxConfig(network));
  process.stdout.write(`wrote ${file}\n`);
}
