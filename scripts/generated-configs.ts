// The reference configs under configs/: exactly what each daemon's
// `--defaultconfig` prints.
import { join } from 'node:path';
import { defaultEdgeCoreConfig, renderEdgeCoreConfig } from '../packages/edgecore/src/config/index.ts';
import { defaultCloudCoreConfig, renderCloudCoreConfig } from '../packages/cloudcore/src/config/index.ts';
import {
  defaultControllerManagerConfig,
  renderControllerManagerConfig,
} from '../packages/controllermanager/src/config/index.ts';

export function generatedConfigs(root: string): { path: string; content: string }[] {
  return [
    { path: join(root, 'configs/edgecore.yaml'), content: renderEdgeCoreConfig(defaultEdgeCoreConfig()) },
    { path: join(root, 'configs/cloudcore.yaml'), content: renderCloudCoreConfig(defaultCloudCoreConfig()) },
    {
      path: join(root, 'configs/controllermanager.yaml'),
      content: renderControllerManagerConfig(defaultControllerManagerConfig()),
    },
  ];
}
