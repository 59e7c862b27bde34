// Starts GraphiQL on the Kho GraphQL endpoint. Configuration comes from the page's JSON block
// (#graphiql-config), so the page needs no inline script. Tokens go in GraphiQL's Headers tab:
// {"Authorization": "Bearer kho_…"}.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var fetcher = GraphiQL.createFetcher({ url: config.url });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.query,
      defaultEditorToolbarOpen: true,
      shouldPersistHeaders: false,
    })
  );
})();
