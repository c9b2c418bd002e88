package io.pgpilot.keeper;

import io.pgpilot.keeper.http.KeeperHttpApi;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The keeper's Spring context: only an embedded Tomcat and Spring MVC, listed explicitly (no component
 * scan, no DataSource or Flyway auto-configuration: there is no database when the keeper starts). The
 * {@link Keeper} is built by {@link KeeperMain} and handed in as a ready singleton.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration({TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class})
public class KeeperApplication {

    @Bean
    KeeperHttpApi keeperHttpApi(Keeper keeper) {
        return new KeeperHttpApi(keeper.member(), keeper.metrics());
    }
}
