using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;
using ScanGate.Api.Auth;

using ScanGate.Api.Compat;
using ScanGate.Api.Compat.Pepper;

namespace ScanGate.Api;

public static class ApiSetup
{
    public static IServiceCollection AddScanGateApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApiOptions>(configuration.GetSection(ApiOptions.Section));
        services.AddScanGateApplication(configuration);
        services.Configure<CompatOptions>(configuration.GetSection(CompatOptions.Section));
        services.Configure<ScanGate.Contracts.ScheduleOptions>(configuration.GetSection(ScanGate.Contracts.ScheduleOptions.Section));
        var limits = configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        // Kestrel's own limit is the larger one; each request is held to its own limit below.
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = Math.Max(limits.MaxRequestBodyBytes, limits.MaxUploadBytes));
        services.AddProblemDetails();
        services.AddExceptionHandler<TransientClusterErrors>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });
        services.AddHttpContextAccessor();
        services.TryAddSingleton<ScanGate.Contracts.Clock>();
        services.AddSingleton<AuthCache>();
        services.AddSingleton<KeyCheck>();
        services.AddSingleton<IKeyCache>(sp => sp.GetRequiredService<AuthCache>());
        services.AddAuthentication(ApiKeyAuthenticationHandler.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.Scheme, null);
        services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        services.AddAuthorizationBuilder().AddScanGatePolicies();
        services.AddScanGateOpenApi();
        services.AddHostedService<Bootstrap>();
        services.Configure<ScanGate.Api.Sources.SourceOptions>(configuration.GetSection(ScanGate.Api.Sources.SourceOptions.Section));
        services.AddSingleton<ScanGate.Api.Sources.SourceRepositoryServer>();
        services.AddHostedService(sp => sp.GetRequiredService<ScanGate.Api.Sources.SourceRepositoryServer>());
        services.AddSingleton<ScanGate.Api.Compat.Pepper.PepperScanServices>();
        services.AddHarborguardSurface();
        return services;
    }

    /// <summary>The middleware the API needs, in order.</summary>
    public static WebApplication UseScanGateApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var apiOptions = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value;
        app.Use(async (context, next) =>
        {
            // Refuse an oversized body before anything reads it; a body without a length is cut at the limit.
            var maxBody = apiOptions.LimitFor(context.Request);
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                size.MaxRequestBodySize = maxBody;
            if (context.Request.ContentLength > maxBody)
            {
                await Problems.Write(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                    $"the request body is {context.Request.ContentLength} bytes; the limit is {maxBody}");
                return;
            }
            await next();
        });
        app.UseAuthentication();
        app.UseAuthorization();
        // Limits of endpoints that name a rate-limiting policy (a compatibility surface's own), after authorization so
        // that they count per authenticated key.
        app.UseRateLimiter();
        return app;
    }

    public static IEndpointRouteBuilder MapScanGateApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithTags("health")
            .WithName("health").WithSummary("Whether this node answers (no key needed)");
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", o => o.WithTitle("ScanGate API"));
        var api = app.MapGroup("/api/v1");
        api.MapScanEndpoints();
        api.MapOrgEndpoints();
        api.MapKeyEndpoints();
        api.MapProjectEndpoints();
        api.MapFindingEndpoints();
        api.MapArtifactEndpoints();
        api.MapUploadEndpoints();
        api.MapReportEndpoints();
        api.MapAuditEndpoints();
        // Other platforms' CI contracts over the same core, each unless switched off.
        var compat = app.ServiceProvider.GetRequiredService<IOptions<CompatOptions>>().Value;
        compat.Validate();
        if (compat.IsEnabled("offload")) app.MapOffloadEndpoints();
        if (compat.IsEnabled("pepper")) app.MapPepperEndpoints();
        if (compat.IsEnabled("harborguard")) app.MapHarborguardEndpoints();
        if (compat.IsEnabled("aikido")) app.MapAikidoEndpoints();
        return app;
    }

    public static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
