// The version recorded in every manifest.
import pkg from '../../../package.json' with { type: 'json' };

export const APP_VERSION: string = pkg.version;
