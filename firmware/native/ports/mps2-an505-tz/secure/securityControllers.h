/* The secure image's first job: make the non-secure world exactly what trustzoneMemory.ld says
 * (its code, slots, state area and RAM; UART0; the veneers non-secure-callable) and everything
 * else secure. */
#ifndef SF_SECURITY_CONTROLLERS_H
#define SF_SECURITY_CONTROLLERS_H

void sf_tz_configureSecurity(void);

#endif
