import { errorResult, httpHandler, json } from '../../src/commons/http';
import { getProduct, listProducts } from '../../src/adapters/inventory-repository';

export const handler = httpHandler(async (event) => {
  const sku = event.pathParameters?.sku;
  if (sku === undefined) return json(200, { products: await listProducts() });
  const product = sku.length <= 64 ? await getProduct(sku) : undefined;
  return product ? json(200, product) : errorResult(404, 'PRODUCT_NOT_FOUND', `No product ${sku.slice(0, 64)}`);
});
