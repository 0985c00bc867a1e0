#include "internal/operations.h"

#include <string>
#include <vector>

#include "internal/wire.h"

namespace meterbridge::connectwise {
namespace {

struct Probe {
  const char* path;
  const char* endpoint;
  const char* permission;  // the security role setting that lets the API member read it
};

constexpr Probe kProbes[] = {
    {"company/companies", "companies", "Companies > Company Maintenance: Inquire Level All"},
    {"procurement/catalog", "catalog", "Procurement > Product Catalog: Inquire Level All"},
    {"finance/agreements", "agreements", "Finance > Agreements: Add, Edit and Inquire Level All"},
};

AuthenticateResult verdict(AuthStatus status, const std::string& message) {
  return AuthenticateResult{status, message, std::nullopt};
}

}  // namespace

AuthenticateResult authenticate(Call& call, Client& client) {
  client.begin_hook();
  if (std::optional<HttpFailure> failure = client.discover(call)) {
    if (failure->status == MB_STATUS_RATE_LIMITED) throw_failure(*failure);
    return verdict(failure->status == MB_STATUS_CONFIG_INVALID ? AuthStatus::kConfigInvalid
                                                               : AuthStatus::kUnreachable,
                   failure->message);
  }

  // Cheap authenticated reads that also prove the role can read what meterbridge needs.
  std::vector<ApiRequest> requests;
  for (const Probe& p : kProbes) {
    Query q(p.path);
    q.set("pageSize", "1").set("fields", "id");
    requests.push_back(ApiRequest{"GET", q.target(), "", p.endpoint});
  }
  std::vector<HttpResponse> responses = client.execute(call, requests);

  auto first_with = [&](auto predicate) -> const HttpResponse* {
    for (const HttpResponse& r : responses)
      if (predicate(r)) return &r;
    return nullptr;
  };
  if (const HttpResponse* r = first_with([](const HttpResponse& x) { return x.status == 0; }))
    return verdict(AuthStatus::kUnreachable, failure_for(*r, "authenticate").message);
  if (const HttpResponse* r = first_with([](const HttpResponse& x) { return x.status == 401; }))
    return verdict(AuthStatus::kAuthFailed, failure_for(*r, "authenticate").message);
  if (const HttpResponse* r = first_with([](const HttpResponse& x) { return x.status == 400; })) {
    std::string text = error_text(r->body);
    return verdict(AuthStatus::kConfigInvalid, "ConnectWise refused the request (HTTP 400" +
                                                   (text.empty() ? std::string() : ": " + text) +
                                                   "); check the clientId and the API version " +
                                                   client.config().api_version);
  }
  if (first_with([](const HttpResponse& x) { return x.status == 404; }) != nullptr)
    return verdict(
        AuthStatus::kAuthFailed,
        "ConnectWise answered HTTP 404 under codebase " + client.company_info().codebase +
            "; on ConnectWise cloud this usually means the company id or the keys are wrong");
  if (const HttpResponse* r = first_with([](const HttpResponse& x) { return x.status == 429; }))
    throw_failure(failure_for(*r, "authenticate"));
  if (const HttpResponse* r = first_with([](const HttpResponse& x) { return x.status >= 500; }))
    return verdict(AuthStatus::kUnreachable, failure_for(*r, "authenticate").message);
  std::string missing;
  for (size_t i = 0; i < responses.size(); ++i)
    if (responses[i].status == 403)
      missing += (missing.empty() ? "" : "; ") + std::string(kProbes[i].permission);
  if (!missing.empty())
    return verdict(AuthStatus::kAuthFailed,
                   "the credentials work but the API member's security role lacks: " + missing +
                       " (HTTP 403)");
  if (const HttpResponse* r = first_with([](const HttpResponse& x) { return !x.ok(); }))
    return verdict(AuthStatus::kUnreachable, failure_for(*r, "authenticate").message);

  const CompanyInfo& info = client.company_info();
  std::string name = info.company_name.empty() ? "" : " (" + info.company_name + ")";
  return verdict(AuthStatus::kOk, "connected to ConnectWise company " + client.config().company_id +
                                      name + ", version " +
                                      (info.version_code.empty() ? "unknown" : info.version_code) +
                                      ", codebase " + info.codebase +
                                      "; companies, catalog and agreements are readable");
}

}  // namespace meterbridge::connectwise
