using ChitBox.Api;
using ChitBox.Api.Auth;
using ChitBox.Api.Mailboxes;
using ChitBox.Api.Messages;
using ChitBox.Api.Realtime;
using ChitBox.Mail.Data;
using ChitBox.Mail.Notifications;
using ChitBox.Mail.Users;

var builder = WebApplication.CreateBuilder(args);

builder.UseDefaultAddress();

builder.AddServiceDefaults("chitbox-api", ApiTelemetry.Name);
builder.AddMailData();
builder.AddDatabaseResilience();
builder.AddMailNotifications();
builder.AddMailDomains();
builder.Services.AddSingleton<ApiTelemetry>();
builder.AddApiConventions();
builder.AddApiDocumentation();
builder.AddAuth();
builder.AddMessages();
builder.AddRealtime();

var app = builder.Build();

app.UseApiConventions();
app.UseAuthentication();
app.UseAuthorization();
app.UseHubErrorProblems();

app.MapApiDocumentation();
app.MapAuthApi();
app.MapMailboxApi();
app.MapMessagesApi();
app.MapMailHub();
app.MapDefaultEndpoints();

app.Run();
