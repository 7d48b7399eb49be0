/** Saving files for the user, with a toast saying where they went. */
import type { Api } from '../api';
import { fileSlug } from './format';
import { toast } from './toast';

async function saveAndTell(api: Api, fileName: string, text: string, what: string): Promise<void> {
  const path = await api.platform.saveTextFile(fileName, text);
  toast.success(path ? `${what} saved to ${path}` : `${what} downloaded as ${fileName}`);
}

export async function exportFlowFile(api: Api, flowId: string, name: string): Promise<void> {
  try {
    const text = await api.exportFlow(flowId);
    await saveAndTell(api, `${fileSlug(name)}.flow.json`, text, 'Flow file');
  } catch (error) {
    toast.error(error, 'Export failed');
  }
}

export async function exportPostman(api: Api, flowId: string, name: string, withSecrets = false): Promise<void> {
  try {
    const collection = await api.postmanCollection(flowId, withSecrets);
    await saveAndTell(
      api,
      `${fileSlug(name)}.postman_collection.json`,
      `${JSON.stringify(collection, null, 2)}\n`,
      'Postman collection',
    );
  } catch (error) {
    toast.error(error, 'Postman export failed');
  }
}

export async function exportOpenApi(api: Api): Promise<void> {
  try {
    const document = await api.openApi();
    await saveAndTell(api, 'hookline-openapi.json', `${JSON.stringify(document, null, 2)}\n`, 'OpenAPI document');
  } catch (error) {
    toast.error(error, 'OpenAPI export failed');
  }
}

export async function copyWithToast(api: Api, text: string, what: string): Promise<void> {
  try {
    await api.platform.copyText(text);
    toast.success(`${what} copied`);
  } catch (error) {
    toast.error(error, 'Copy failed');
  }
}
