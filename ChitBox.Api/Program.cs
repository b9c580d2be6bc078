// Placeholder so the solution compiles on the smtp-protocol branch; the api branch owns this file.
var app = WebApplication.CreateBuilder(args).Build();
app.Run();
