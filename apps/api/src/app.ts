// Placeholder until the HTTP app lands.
export {};
