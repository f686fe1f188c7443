// The reference configs under configs/: exactly what each daemon's
// `--defaultconfig` prints.
import { join } from 'node:path';
import { defaultEdgeCoreConfig, renderEdgeCoreConfig } from '@kedge/edgecore';
import { defaultCloudCoreConfig, renderCloudCoreConfig } from '@kedge/cloudcore';
import { defaultControllerManagerConfig, renderControllerManagerConfig } from '@kedge/controllermanager';

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
