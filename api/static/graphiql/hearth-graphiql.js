// Hearth's GraphiQL page: strawberry's page, with every asset served by Hearth itself (no
// CDN, and no inline script, so that the Content-Security-Policy can forbid both).
// Sign in with the login and verifyMfa mutations, then put the access token in the Headers
// tab: {"Authorization": "Bearer <accessToken>"}.
"use strict";

(function () {
  const EXAMPLE_QUERY = `# Hearth's GraphiQL
#
# Sign in with the login and verifyMfa mutations (the Docs
# pane describes them), then put the access token in the
# Headers tab below:
#   {"Authorization": "Bearer <accessToken>"}
#
# Run: Ctrl-Enter. Complete: Ctrl-Space.

query Me {
  me {
    user {
      username
    }
  }
}
`;

  // The page's own URL carries the query and variables, so that a link can share them.
  const parameters = {};
  for (const entry of window.location.search.slice(1).split("&")) {
    const eq = entry.indexOf("=");
    if (eq >= 0) {
      parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(
        entry.slice(eq + 1),
      );
    }
  }

  function updateURL(data) {
    Object.assign(parameters, data);
    const search =
      "?" +
      Object.keys(parameters)
        .filter((key) => Boolean(parameters[key]))
        .map((key) => encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]))
        .join("&");
    history.replaceState(null, null, search);
  }

  const fetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });

  function HearthGraphiQL() {
    const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
    const [variables, setVariables] = React.useState(parameters.variables);
    const [headers, setHeaders] = React.useState(parameters.headers);

    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      query: query,
      variables: variables,
      headers: headers,
      onEditQuery: (value) => {
        setQuery(value);
        updateURL({ q: value });
      },
      onEditVariables: (value) => {
        setVariables(value);
        updateURL({ variables: value });
      },
      // Headers hold the bearer token: kept out of the URL and out of local storage.
      onEditHeaders: setHeaders,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(HearthGraphiQL),
  );
})();
