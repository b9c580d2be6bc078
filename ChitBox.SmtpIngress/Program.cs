// Minimal host for the protocol branch; the delivery branch owns the real Program.cs.
var builder = WebApplication.CreateBuilder(args);

var app = builder.Build();
app.Run();
