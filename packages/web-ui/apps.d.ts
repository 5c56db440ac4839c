/** The apps this package builds, each from src/<name>/index.html. */
export declare const APPS: readonly string[];
/** Where app `name` is built: dist/ for the peer's page, dist-<name>/ for any other. */
export declare function outDir(name: string): string;
/** The absolute directory holding `name`'s built page; throws ERR_WEB_UI_NOT_BUILT when missing. */
export declare function appDir(name: string): string;
