/** The apps this package builds, each into dist/<name>/. */
export declare const APPS: readonly string[];
/** The absolute directory holding `name`'s built page; throws ERR_WEB_UI_NOT_BUILT when missing. */
export declare function appDir(name: string): string;
