using ChitBox.Mail.Data;
using ChitBox.Mail.Notifications;
using ChitBox.SmtpIngress;
using ChitBox.SmtpIngress.Delivery;
using ChitBox.SmtpIngress.Transport;

InlineSocketCompletions.PreferInProcess();

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("chitbox-smtp", SmtpTelemetry.Name);
builder.AddMailData();
builder.AddMailNotifications();
builder.AddMailDelivery();
builder.AddSmtpIngress();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
