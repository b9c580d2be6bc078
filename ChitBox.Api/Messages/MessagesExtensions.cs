namespace ChitBox.Api.Messages;

public static class MessagesExtensions
{
    /// <summary>The HTML sanitizer and the streaming reader of raw content and attachments.</summary>
    public static IHostApplicationBuilder AddMessages(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HtmlBodySanitizer>();
        builder.Services.AddSingleton<MessageContentStore>();
        return builder;
    }
}
