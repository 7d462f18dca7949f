using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>
/// What the platform documents and ScanGate cannot do, answered as such (501 with the reason and what to use instead,
/// listed in docs/compat.md): outbound integrations (Slack, Jira, SIEM, a DAST service), AI fix suggestions and fix
/// pull requests. The caller's key and scope are still checked first, so a 501 never answers an unauthorised caller.
/// </summary>
public static class PepperIntegrations
{
    private const string IntegrationsWhy =
        "ScanGate delivers no Slack, Jira, SIEM or syslog notifications and calls no outside DAST service; scan results reach other systems through the signed completion callback (callbackUrl on POST /api/scans) and the native API";

    public static RouteGroupBuilder MapPepperIntegrations(this RouteGroupBuilder api)
    {
        IResult Integrations() => PepperEndpoints.NotImplemented("Integrations are not supported", IntegrationsWhy);
        api.MapGet("/integrations", Integrations).RequireScope(Scopes.ProjectsManage);
        api.MapPost("/integrations", Integrations).RequireScope(Scopes.ProjectsManage);
        api.MapDelete("/integrations/{id}", (string id) => Integrations()).RequireScope(Scopes.ProjectsManage);
        api.MapPost("/integrations/test", Integrations).RequireScope(Scopes.ProjectsManage);

        api.MapPost("/scans/{scanId}/findings/{findingId}/suggest-fix", (string scanId, string findingId) =>
            PepperEndpoints.NotImplemented("Fix suggestions are not supported",
                "a suggested diff needs a language model, which ScanGate does not run; each finding carries its remediation text and fixedVersion instead"))
            .RequireScope(Scopes.FindingsRead);
        api.MapPost("/scans/{scanId}/findings/{findingId}/open-pr", (string scanId, string findingId) =>
            PepperEndpoints.NotImplemented("Opening pull requests is not supported",
                "ScanGate holds no credentials for a Git host and writes to no repository; it only reads the repositories it scans"))
            .RequireScope(Scopes.FindingsWrite);
        return api;
    }
}
