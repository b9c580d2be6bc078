using ChitBox.Mail.Data;
using ChitBox.Mail.Folders;
using ChitBox.Mail.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChitBox.Api.Auth;

public static partial class AuthApi
{
    public const int MinPasswordLength = 8;
    private const int MaxPasswordLength = 1024;
    private const int MaxEmailLength = 320;
    private const int MaxDisplayNameLength = 200;

    // Verified when the account does not exist, so a miss costs as much as a wrong password.
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<User>().HashPassword(null!, Guid.NewGuid().ToString()));

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/register", RegisterAsync);
        auth.MapPost("/login", LoginAsync);
        app.MapGet("/api/me", GetMeAsync).WithTags("Auth").RequireAuthorization();
        return app;
    }

    public static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterRequest request,
        MailDbContext db,
        IPasswordHasher<User> passwordHasher,
        IOptions<MailDomainOptions> domains,
        ApiTelemetry telemetry,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var errors = Validate(request, domains.Value);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var email = request.Email!.Trim();
        var user = new User
        {
            Email = email,
            NormalizedEmail = User.Normalize(email),
            DisplayName = string.IsNullOrWhiteSpace(request.DisplayName) ? null : request.DisplayName.Trim(),
            PasswordHash = "",
        };
        user.PasswordHash = passwordHasher.HashPassword(user, request.Password!);

        // One SaveChanges, one transaction: the user never exists without their folders.
        db.Users.Add(user);
        db.Folders.AddRange(Folder.StandardFolders(user.Id));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: "That address is already registered.");
        }

        telemetry.UserRegistered();
        LogRegistered(loggerFactory.CreateLogger(typeof(AuthApi)), user.Id);
        return TypedResults.Created("/api/me", UserResponse.From(user));
    }

    public static async Task<Results<Ok<AccessTokenResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request,
        HttpContext httpContext,
        MailDbContext db,
        IPasswordHasher<User> passwordHasher,
        AccessTokenIssuer tokens,
        LoginThrottle throttle,
        ApiTelemetry telemetry,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["credentials"] = ["Both email and password are required."],
            });
        }

        var logger = loggerFactory.CreateLogger(typeof(AuthApi));
        var account = User.Normalize(request.Email);
        var client = httpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";

        // The password is checked first, whatever the limits say: the contract counts only
        // failed attempts, and a successful login is never throttled.
        // An address PostgreSQL cannot even compare belongs to no account: it fails as an unknown one.
        var user = ClientText.IsStorable(account)
            ? await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == account, cancellationToken)
            : null;
        var verdict = PasswordVerificationResult.Failed;
        if (user is null)
        {
            passwordHasher.VerifyHashedPassword(null!, DummyHash.Value, request.Password);
        }
        else
        {
            verdict = passwordHasher.VerifyHashedPassword(user, user.PasswordHash, request.Password);
        }

        if (user is null || verdict == PasswordVerificationResult.Failed)
        {
            if (throttle.RetryAfter(client, account) is { } retryAfter)
            {
                // Already over a limit: refused as throttled, and not counted again (the window is fixed).
                telemetry.LoginThrottled();
                LogThrottled(logger, client);
                httpContext.Response.Headers.RetryAfter = ((long)Math.Ceiling(Math.Max(1, retryAfter.TotalSeconds))).ToString();
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    detail: "Too many failed logins. Try again later.");
            }

            throttle.RecordFailure(client, account);
            telemetry.LoginFailed();
            LogLoginFailed(logger, client);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, detail: "Wrong email or password.");
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = passwordHasher.HashPassword(user, request.Password);
            await db.SaveChangesAsync(cancellationToken);
        }

        throttle.RecordSuccess(account);
        telemetry.LoginSucceeded();
        return TypedResults.Ok(tokens.Issue(user));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetMeAsync(
        HttpContext httpContext, MailDbContext db, CancellationToken cancellationToken)
    {
        var userId = httpContext.User.GetUserId();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        return user is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "The account no longer exists.")
            : TypedResults.Ok(UserResponse.From(user));
    }

    private static Dictionary<string, string[]> Validate(RegisterRequest request, MailDomainOptions domains)
    {
        var errors = new Dictionary<string, string[]>();
        var email = request.Email?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            errors["email"] = ["An email address is required."];
        }
        else if (email.Length > MaxEmailLength
            || !System.Net.Mail.MailAddress.TryCreate(email, out var parsed)
            || !string.Equals(parsed.Address, email, StringComparison.Ordinal)
            || email.Any(char.IsWhiteSpace)
            || email.EndsWith('.')
            || ClientText.HasControlCharacters(email))
        {
            errors["email"] = ["Not a valid email address."];
        }
        else if (email.StartsWith('"'))
        {
            // RFC 5321 4.1.2: a mailbox that needs quoting should not be defined, and the ingress
            // reads "alice"@ as alice@.
            errors["email"] = ["The part before @ must not be quoted."];
        }
        else if (!domains.IsLocalAddress(email))
        {
            errors["email"] = [$"The address must be in a domain this server receives mail for: {string.Join(", ", domains.LocalDomains)}."];
        }

        // Characters as code points, not UTF-16 units: four emoji are four, not eight.
        if (request.Password is null || request.Password.EnumerateRunes().Count() < MinPasswordLength)
        {
            errors["password"] = [$"The password must have at least {MinPasswordLength} characters."];
        }
        else if (request.Password.Length > MaxPasswordLength)
        {
            errors["password"] = [$"The password must have at most {MaxPasswordLength} characters."];
        }

        if (request.DisplayName is { Length: > MaxDisplayNameLength })
        {
            errors["displayName"] = [$"The display name must have at most {MaxDisplayNameLength} characters."];
        }
        else if (request.DisplayName is { } displayName && ClientText.HasControlCharacters(displayName))
        {
            errors["displayName"] = ["The display name must not contain control characters (NUL, tabs, line breaks)."];
        }

        return errors;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered user {UserId}")]
    private static partial void LogRegistered(ILogger logger, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Failed login from {ClientAddress}")]
    private static partial void LogLoginFailed(ILogger logger, string clientAddress);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Login refused by the failed-attempt limit for client {ClientAddress}")]
    private static partial void LogThrottled(ILogger logger, string clientAddress);
}
