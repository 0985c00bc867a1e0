// A plugin's result document, read with the SDK's codec (<meterbridge/documents_json.hpp>).
// Part of the sync engine (host/sync/internal/).
//
//   ReadResult answer = decode_result<meterbridge::ReadResult>(*result);
#ifndef METERBRIDGE_HOST_SYNC_INTERNAL_PLUGIN_RESULT_H_
#define METERBRIDGE_HOST_SYNC_INTERNAL_PLUGIN_RESULT_H_

#include <meterbridge/documents_json.hpp>

#include <boost/json.hpp>

#include <string>

#include "host/common/json.h"

namespace mb::sync_internal {

// What the host's strict parser refuses reads as an empty document, whose lines then fail one
// by one (each line the host asked about and finds no answer for).
template <typename Document>
Document decode_result(const std::string& text) {
  Document d;
  auto v = json::parse(text.empty() ? "{}" : text);
  if (v && v->is_object()) meterbridge::codec::decode_into(v->get_object(), d);
  return d;
}

}  // namespace mb::sync_internal

#endif  // METERBRIDGE_HOST_SYNC_INTERNAL_PLUGIN_RESULT_H_
