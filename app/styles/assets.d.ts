// The classic compiler turns `import href from "./x.css"` into the asset's URL; its typings say so.
/// <reference types="@remix-run/dev" />
