using ChitBox.Mail.Users;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChitBox.Api.Auth;

public static class AuthExtensions
{
    private const string HubPathPrefix = "/hubs";
    private const string AccessTokenQueryParameter = "access_token";

    /// <summary>
    /// Password hashing, HS256 bearer tokens (also from <c>?access_token=</c> on hub paths,
    /// where WebSockets cannot send headers), 401 as problem+json, and the login limits.
    /// </summary>
    public static IHostApplicationBuilder AddAuth(this IHostApplicationBuilder builder)
    {
        var environment = builder.Environment;
        var dataDirectory = DevelopmentSigningKey.DataDirectory(builder.Configuration["CHITBOX_DATA_DIR"]);
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.SigningKey) && environment.IsDevelopment())
                {
                    options.SigningKey = DevelopmentSigningKey.LoadOrCreate(dataDirectory);
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        builder.Services.AddSingleton<AccessTokenIssuer>();
        builder.Services.AddSingleton<LoginThrottle>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) => ConfigureJwtBearer(jwt, auth.Value));
        builder.Services.AddAuthorization();
        return builder;
    }

    private static void ConfigureJwtBearer(JwtBearerOptions jwt, AuthOptions auth)
    {
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer,
            ValidAudience = auth.Audience,
            IssuerSigningKey = auth.CreateSigningKey(),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            NameClaimType = CurrentUser.UserIdClaim,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                var token = context.Request.Query[AccessTokenQueryParameter].ToString();
                if (token.Length > 0 && context.Request.Path.StartsWithSegments(HubPathPrefix))
                {
                    context.Token = token;
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var invalid = context.AuthenticateFailure is not null;
                context.Response.Headers.WWWAuthenticate = invalid ? "Bearer error=\"invalid_token\"" : "Bearer";
                await TypedResults.Problem(
                        statusCode: StatusCodes.Status401Unauthorized,
                        detail: invalid
                            ? "The access token is invalid or has expired; log in again."
                            : "This call needs an access token: Authorization: Bearer <accessToken>.")
                    .ExecuteAsync(context.HttpContext);
            },
        };
    }
}
