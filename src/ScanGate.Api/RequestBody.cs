using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ScanGate.Api;

/// <summary>Reads a JSON object body and its fields, turning every client mistake into a 400 naming the field.</summary>
public static class RequestBody
{
    public static async Task<(JsonElement Body, IResult? Error)> ReadObjectAsync(HttpRequest request, params string[] knownFields)
    {
        if (request.ContentType is not { } ct || !ct.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return (default, Problems.BadRequest("body", "send the request as JSON with Content-Type: application/json"));
        JsonElement body;
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            body = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return (default, Problems.BadRequest("body", $"the request body is not valid JSON: {ex.Message}"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, TypedResults.Problem(detail: "the request body is larger than this server accepts", statusCode: ex.StatusCode, title: "Request body too large"));
        }
        if (body.ValueKind != JsonValueKind.Object) return (default, Problems.BadRequest("body", "the request body must be a JSON object"));
        if (knownFields.Length > 0)
            foreach (var p in body.EnumerateObject())
                if (!knownFields.Contains(p.Name))
                    return (default, Problems.BadRequest(p.Name, $"unknown field '{p.Name}'; known fields: {string.Join(", ", knownFields)}"));
        return (body, null);
    }

    public static string? String(JsonElement body, string name, int maxLength = 500)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw new RequestValidationException(name, $"{name} must be a string");
        var s = v.GetString()!.Trim();
        if (s.Length == 0) throw new RequestValidationException(name, $"{name} must not be empty");
        if (s.Length > maxLength) throw new RequestValidationException(name, $"{name} must be at most {maxLength} characters");
        if (s.Any(char.IsControl)) throw new RequestValidationException(name, $"{name} must not contain control characters");
        return s;
    }

    public static string RequiredString(JsonElement body, string name, int maxLength = 500) =>
        String(body, name, maxLength) ?? throw new RequestValidationException(name, $"{name} is required");

    public static int? Int(JsonElement body, string name, int min, int max)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var i) || i < min || i > max)
            throw new RequestValidationException(name, $"{name} must be a whole number from {min} to {max}");
        return i;
    }

    public static bool? Bool(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new RequestValidationException(name, $"{name} must be true or false"),
        };
    }

    public static T? Enum<T>(JsonElement body, string name) where T : struct, System.Enum
    {
        var word = String(body, name, 50);
        if (word is null) return null;
        return ScanGate.Contracts.StatusWords.ParseWord<T>(word)
            ?? throw new RequestValidationException(name, $"{name} must be one of {ScanGate.Contracts.StatusWords.Words<T>()}");
    }
}
