using Microsoft.AspNetCore.Http;
using ScanGate.Contracts;

namespace ScanGate.Api;

/// <summary>RFC 7807 problem+json answers with a detail a client can act on.</summary>
public static class Problems
{
    public static IResult BadRequest(string field, string detail) => TypedResults.Problem(
        detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
        extensions: new Dictionary<string, object?> { ["field"] = field });

    public static IResult NotFound(string detail) => TypedResults.Problem(
        detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult ScanNotFound(string id) => NotFound($"no scan with id '{id}'");

    public static IResult FromCommand(CommandResult r) => r.Error switch
    {
        CommandError.NotFound => NotFound(r.Message ?? "not found"),
        CommandError.Conflict => TypedResults.Problem(detail: r.Message, statusCode: StatusCodes.Status409Conflict, title: "Not allowed in the scan's current state"),
        CommandError.Unavailable => TypedResults.Problem(detail: r.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Scanner engine unavailable"),
        _ => TypedResults.Problem(detail: r.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request"),
    };
}
