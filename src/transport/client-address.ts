// The TCP peer address of a request, carried in an internal header that the
// server sets on every request (overwriting anything a client sent), because
// Connect handler contexts do not expose the socket.
export const clientAddressHeader = "x-avnology-client-address";

export function clientAddressOf(headers: Headers): string {
  return headers.get(clientAddressHeader) ?? "unknown";
}
