using ChitBox.Mail.Data;
using ChitBox.Mail.Notifications;
using ChitBox.SmtpIngress;
using ChitBox.SmtpIngress.Delivery;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("chitbox-smtp", SmtpTelemetry.Name);
builder.AddMailData();
builder.AddMailNotifications();
builder.AddMailDelivery();
builder.AddSmtpIngress();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
