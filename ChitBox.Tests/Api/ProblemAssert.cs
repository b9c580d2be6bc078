using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChitBox.Tests.Api;

public static class ProblemAssert
{
    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/>; returns its body.</summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
