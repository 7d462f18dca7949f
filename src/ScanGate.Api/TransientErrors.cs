using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ScanGate.Api;

/// <summary>
/// A grain call that fails because the cluster is changing (a silo joining or lost, a call timing out) or its
/// database is briefly away, or is cancelled by the cluster rather than by the client, is the server's momentary trouble, not the client's mistake: 503 with
/// Retry-After, never a bare 500.
/// </summary>
public sealed class TransientClusterErrors(ILogger<TransientClusterErrors> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        // A cancellation the client did not ask for comes from inside the cluster (a grain directory lookup dropped while
        // membership declares a silo dead): as transient as the rest.
        var cancelledInside = exception is OperationCanceledException && !context.RequestAborted.IsCancellationRequested;
        if (!cancelledInside && exception is not (Orleans.Runtime.OrleansException or TimeoutException or System.Data.Common.DbException)) return false;
        logger.LogWarning(exception, "Transient cluster error on {Method} {Path}", context.Request.Method, context.Request.Path);
        context.Response.Headers.RetryAfter = "2";
        await Problems.Write(context, StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable",
            "the service could not answer just now (a silo joining or leaving, or its database restarting); retry after 2 s");
        return true;
    }
}
