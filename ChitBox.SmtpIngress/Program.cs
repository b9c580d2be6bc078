// Minimal host for the protocol branch; the delivery branch owns the real Program.cs.
using ChitBox.SmtpIngress;

var builder = WebApplication.CreateBuilder(args);
builder.AddSmtpIngress();

var app = builder.Build();
app.Run();
