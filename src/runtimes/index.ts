export { RuntimeCatalog, type RuntimeRow } from './catalog.js';
export {
  type InstallProgress,
  NodeInstallError,
  NodeInstaller,
  type NodeInstallerOptions,
} from './node-installer.js';
export { npmSource, type PackageSource, type PackageVersion } from './npm-source.js';
