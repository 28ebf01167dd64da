// esbuild bundles the imported style sheet into the page's CSS output; the import has no value.
declare module '*.css';
