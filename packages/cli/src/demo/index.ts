export { demoBanner } from './banner.ts';
export {
  DEMO_DOMAIN,
  DEMO_TENANT,
  type DemoOptions,
  type DemoStack,
  type ExternalDirectory,
  startDemoStack,
} from './demo-stack.ts';
export { type DemoRelyingParty, startDemoRelyingParty } from './relying-party.ts';
