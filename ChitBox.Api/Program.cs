using ChitBox.Mail.Data;
using ChitBox.Mail.Notifications;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("chitbox-api", "ChitBox.Api");
builder.AddMailData();
builder.AddMailNotifications();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
