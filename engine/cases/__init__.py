"""Cases: opening and moving them (service), reading them (read, listing), what guards see."""
