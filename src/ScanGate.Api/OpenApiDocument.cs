using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using ScanGate.Api.Compat;

namespace ScanGate.Api;

/// <summary>
/// The native API's OpenAPI document (/openapi/v1.json): what each endpoint answers is its own metadata (name,
/// summary, Produces, ProducesProblem, Accepts); what every operation shares is added here: the two ways to send a
/// key, the key requirement, and the refusals authentication and rate limiting answer with.
/// </summary>
public static class OpenApiDocument
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    public static IServiceCollection AddScanGateOpenApi(this IServiceCollection services) => services.AddOpenApi(o =>
    {
        // The native API only: the compatibility surfaces (/compat/) speak other platforms' contracts, documented by those
        // platforms, and the operator's cluster dashboard is no API.
        o.ShouldInclude = d => d.RelativePath is { } path && (path.StartsWith("api/v1/", StringComparison.Ordinal) || path == "healthz");
        o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "ScanGate API";
            doc.Info.Description = "Security scans as a service: trigger, follow, triage, gate. Authenticate with X-API-Key or Authorization: Bearer. " +
                "Errors are problem+json (RFC 9457) with a `detail` saying what to change. The compatibility surfaces under /compat/ " +
                "(Offload, Pepper, Harborguard, Aikido) follow those platforms' own contracts and are not part of this document.";
            foreach (var server in doc.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
            foreach (var tag in doc.Tags ?? new HashSet<OpenApiTag>())
                tag.Description ??= tag.Name is { } name && TagDescriptions.TryGetValue(name, out var d) ? d : null;
            doc.Components ??= new OpenApiComponents();
            doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            doc.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-API-Key",
                Description = "An API key of your organisation (POST /api/v1/apikeys).",
            };
            doc.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "The same API key as a bearer token.",
            };
            return Task.CompletedTask;
        });
        o.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<DocumentedBody>().LastOrDefault() is { } body)
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = await ComponentAsync(context, body.Type, cancellationToken) },
                    },
                };
            if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security = [new OpenApiSecurityRequirement()]; // said outright: no key needed
                return;
            }
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
            ];
            var problem = await ComponentAsync(context, typeof(ProblemDetails), cancellationToken);
            operation.Responses ??= new OpenApiResponses();
            foreach (var (status, description) in Refusals)
                operation.Responses.TryAdd(status, new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
                });
        });
    });

    /// <summary>A reference to the type's schema among the document's components (added when missing), so that client
    /// generators name the type.</summary>
    private static async Task<IOpenApiSchema> ComponentAsync(OpenApiOperationTransformerContext context, Type type, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
        if (schema is OpenApiSchemaReference || context.Document is not { } document) return schema;
        document.AddComponent(type.Name, schema);
        return new OpenApiSchemaReference(type.Name, document);
    }

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["scans"] = "Trigger scans, follow them live, control them, read their results and gate verdict.",
        ["findings"] = "What the scanners found: list, filter, triage, export.",
        ["artifacts"] = "Raw scanner output and reports kept with a scan.",
        ["projects"] = "Projects group scans of one repository or application; schedules run scans of a project regularly.",
        ["organisations"] = "Tenants, their limits and members.",
        ["api keys"] = "Keys for CI and people, with scopes; a key is shown once.",
        ["audit"] = "Who did what in the organisation.",
        ["health"] = "Whether a node answers.",
    };

    private static readonly (string Status, string Description)[] Refusals =
    [
        ("401", "No valid API key: missing, unknown, expired and revoked keys are refused alike."),
        ("403", "The key lacks the scope this operation needs, or the resource belongs to another organisation's admin."),
        ("429", "The key's per-minute rate limit is used up; retry after the Retry-After header's seconds."),
    ];

    /// <summary>The JSON body the handler reads, described by <typeparamref name="T"/>. Not `Accepts`: that is routing
    /// metadata too, and would answer a wrong content type with 415 before the handler's 400 naming the field.</summary>
    public static RouteHandlerBuilder DescribesBody<T>(this RouteHandlerBuilder builder) => builder.WithMetadata(new DocumentedBody(typeof(T)));

    private sealed record DocumentedBody(Type Type);

    /// <summary>problem+json answers this endpoint gives for the statuses named.</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses) builder.ProducesProblem(status);
        return builder;
    }

    /// <summary>The scan's server-sent event stream.</summary>
    public static RouteHandlerBuilder DescribedAsEventStream(this RouteHandlerBuilder builder) => builder
        .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
        .WithDescription("A `text/event-stream` of the scan. First event `snapshot` (the scan as GET /scans/{id} answers it), " +
            "then `status`, `progress`, `log` and `findings` events as they happen (a JSON scan event each), and a last `finished` " +
            "event with the status, counts and gate verdict, after which the stream ends. Every event has an `id`; a client that " +
            "lost the connection reconnects with `Last-Event-ID` and receives what it missed. Comments are sent as heartbeats while " +
            "nothing happens.");
}

// Bodies the handlers read as JSON elements (to answer every mistake with a 400 naming the field); these records only
// describe them in the document.

/// <summary>A scan to run.</summary>
public sealed record ScanRequestDocument(string ScanType, string Target, string? ScanProfile = null, IReadOnlyList<string>? Scanners = null,
    string? FailOnSeverity = null, IReadOnlyDictionary<string, int>? MaxCounts = null, string? Project = null, string? Branch = null, string? Commit = null,
    IReadOnlyDictionary<string, string>? PipelineContext = null, string? CallbackUrl = null, bool? NewOnly = null, string? BaseBranch = null, string? BaseCommit = null,
    string? FailOnSast = null, string? FailOnDependency = null, string? FailOnIac = null, string? FailOnSecrets = null, string? ImagePolicy = null, int? ExpectedUploads = null);

public sealed record ApiKeyRequestDocument(string Name, string? Preset = null, IReadOnlyList<string>? Scopes = null, int? ExpiresInDays = null,
    string? Environment = null, int? RateLimitPerMinute = null, string? OrgId = null, string? MemberId = null);

public sealed record ProjectRequestDocument(string? Key = null, string? Name = null, string? RepositoryUrl = null, string? DefaultBranch = null,
    string? FailOnSeverity = null, string? DastTargetUrl = null, string? WebhookSecret = null);

public sealed record ScheduleRequestDocument(string? Cron = null, string? Timezone = null, bool? Enabled = null, string? ScanType = null, string? Target = null,
    string? ScanProfile = null, IReadOnlyList<string>? Scanners = null, string? FailOnSeverity = null, string? Branch = null);

public sealed record FindingTriageDocument(string Status, string? Note = null);

public sealed record BulkTriageDocument(IReadOnlyList<string> Ids, string Status, string? Note = null);

public sealed record OrganisationRequestDocument(string Name, string? AdminEmail = null, int? MonthlyScanQuota = null, int? MaxConcurrentScans = null);

public sealed record OrganisationUpdateDocument(int? MonthlyScanQuota = null, int? MaxConcurrentScans = null);

public sealed record MemberRequestDocument(string Email, string? Name = null, string? Role = null);

public sealed record MemberUpdateDocument(string Role);

public sealed record CallbackSecretDocument(string Secret, string Header, string Algorithm);
