#include "internal/integration_status.h"

#include <meterbridge/abi.h>

namespace meterbridge::gradient {

StatusReading read_status(std::string_view status, const std::string& who, bool connecting) {
  const std::string integration =
      "Gradient integration with " + who + " is '" + std::string(status) + "'";
  if (status == "active") return {MB_AUTH_OK, integration + ": Gradient accepts its counts", ""};
  if (status == "pending")
    return {MB_AUTH_PENDING,
            integration +
                ": the MSP maps the accounts and services in Synthesize; Gradient "
                "makes it active when it accepts the first counts",
            ""};
  if (status == "inactive" && connecting)
    return {MB_AUTH_PENDING,
            integration +
                " (Gradient's state before a partner connects and after a disconnect): "
                "it becomes pending once the accounts and services exist",
            "pending"};
  if (status == "inactive")
    return {MB_AUTH_CONFLICT,
            integration +
                ": Gradient's state before a partner connects and after a disconnect "
                "(the MSP's, which deletes the accounts, or the vendor's); Synthesize "
                "offers the MSP nothing to map. meterbridge sets it pending only when "
                "connecting: run `meterbridge connectors connect` for this connector "
                "(with the MSP's new Partner API Key if they generated one)",
            ""};
  if (status == "disabled")
    return {MB_AUTH_CONFLICT,
            integration +
                ": it was disabled on Gradient's side (by the MSP in Synthesize, or by "
                "Gradient), and meterbridge never overrides that. Ask the MSP to enable "
                "it again in Synthesize, then run `meterbridge connectors test`",
            ""};
  if (status == "error")
    return {MB_AUTH_CONFLICT,
            integration +
                ": Gradient marked it as failing, and meterbridge never overrides "
                "that. Ask the MSP to check the integration in Synthesize (or Gradient "
                "support), then run `meterbridge connectors test`",
            ""};
  return {MB_AUTH_CONFLICT,
          integration +
              ": a status Gradient does not document; meterbridge leaves it alone. Ask "
              "the MSP or Gradient support what it means",
          ""};
}

std::string sync_warning(std::string_view status) {
  if (status == "active" || status == "pending") return "";
  return "the Gradient integration is '" + std::string(status) +
         "': the MSP may not see or bill these counts until it is pending or active; "
         "`meterbridge connectors test` says why and what to do";
}

}  // namespace meterbridge::gradient
