//! The one registration of every operation of the API.
//!
//! A feature registers each handler once, with the contract entry that its
//! `#[utoipa::path]` annotation generated: [`Operations::add`] takes the path,
//! the method, the contract (summary, parameters, responses, schemas, tags) and
//! the handler from that one place. The routes that actix serves, the `Allow`
//! header of a 405 and the paths of the served `/openapi.json` are all made from
//! the same list, so a route cannot be served without being in the contract, nor
//! be in the contract without being served.

use actix_web::dev::Handler;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpResponse, Responder, Route, web};
use utoipa::openapi::path::{HttpMethod, Operation, Paths};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Components, RefOr};

use crate::error::ApiError;

/// One registered operation: where it is served and what the contract says.
struct Registered {
    path: String,
    method: HttpMethod,
    operation: Operation,
    route: Route,
}

/// Every operation of the API, in the order they are matched.
///
/// Order matters where a fixed path and a parameter overlap: register
/// `/customers/export` before `/customers/{customer_id}`.
#[derive(Default)]
pub struct Operations {
    registered: Vec<Registered>,
    schemas: Vec<(String, RefOr<Schema>)>,
}

/// The canonical order of methods in an `Allow` header.
const METHOD_ORDER: [HttpMethod; 6] =
    [HttpMethod::Get, HttpMethod::Head, HttpMethod::Put, HttpMethod::Post, HttpMethod::Patch, HttpMethod::Delete];

impl Operations {
    /// Registers `handler` as the operation its contract entry `_contract`
    /// (the `__path_<handler>` type of its `#[utoipa::path]`) describes.
    pub fn add<P, F, Args>(&mut self, _contract: P, handler: F) -> &mut Self
    where
        P: utoipa::Path + for<'t> utoipa::__dev::Tags<'t> + utoipa::__dev::SchemaReferences,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let path = P::path();
        let mut operation = P::operation();
        add_shared_errors(&path, &mut operation);
        let tags: Vec<String> = P::tags().into_iter().map(str::to_owned).collect();
        if !tags.is_empty() {
            operation.tags = Some(tags);
        }
        P::schemas(&mut self.schemas);
        for method in P::methods() {
            let route = web::route().method(actix_method(&method)).to(handler.clone());
            let mut operation = operation.clone();
            if method == HttpMethod::Post {
                crate::idempotency::document(&mut operation);
            }
            self.registered.push(Registered { path: path.clone(), method, operation, route });
        }
        self
    }

    /// How many operations are registered.
    pub fn len(&self) -> usize {
        self.registered.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.registered.is_empty()
    }

    /// `(method, path, operation id)` of every operation, in registration order.
    pub fn list(&self) -> Vec<(String, String, String)> {
        self.registered
            .iter()
            .map(|r| {
                let method = actix_method(&r.method).as_str().to_owned();
                (method, r.path.clone(), r.operation.operation_id.clone().unwrap_or_default())
            })
            .collect()
    }

    /// The contract's paths and the schemas their operations refer to.
    pub fn contract(&self) -> (Paths, Components) {
        let mut paths = Paths::new();
        for registered in &self.registered {
            paths.add_path_operation(&registered.path, vec![registered.method.clone()], registered.operation.clone());
        }
        let mut components = Components::new();
        for (name, schema) in &self.schemas {
            components.schemas.insert(name.clone(), schema.clone());
        }
        (paths, components)
    }

    /// Serves every operation: one resource per path with a route per
    /// method, answering other methods with a 405 whose `Allow` lists them.
    pub fn serve(self, cfg: &mut web::ServiceConfig) {
        let mut resources: Vec<(String, Vec<(HttpMethod, Route)>)> = Vec::new();
        for registered in self.registered {
            match resources.iter_mut().find(|(path, _)| *path == registered.path) {
                Some((_, routes)) => routes.push((registered.method, registered.route)),
                None => resources.push((registered.path, vec![(registered.method, registered.route)])),
            }
        }
        for (path, routes) in resources {
            let allow = allow_header(routes.iter().map(|(method, _)| method));
            let mut resource = web::resource(path.as_str()).default_service(web::to(move || {
                let allow = allow.clone();
                async move { Err::<HttpResponse, ApiError>(ApiError::MethodNotAllowed { allow }) }
            }));
            for (_, route) in routes {
                resource = resource.route(route);
            }
            cfg.service(resource);
        }
    }
}

/// Adds the problem responses every operation of its kind can give, so that
/// an annotation names only its own: 503 for anything that reads the
/// database (every `/api/` route and `/readyz`); 401 and 403 where
/// credentials are required; 404 where the path names a resource; 400 for a
/// query or a body that can't be read; 413, 415 and 422 for a JSON body. An
/// operation that lists one of these itself keeps its own.
fn add_shared_errors(path: &str, operation: &mut Operation) {
    use utoipa::openapi::path::ParameterIn;
    let json_body = operation.request_body.as_ref().is_some_and(|body| body.content.contains_key("application/json"));
    let has_body = operation.request_body.is_some();
    let has_query = operation.parameters.iter().flatten().any(|p| p.parameter_in == ParameterIn::Query);
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let shared: [(&str, &str, bool); 8] = [
        ("400", "BadRequest", has_query || has_body),
        ("401", "Unauthorized", secured),
        ("403", "Forbidden", secured),
        ("404", "NotFound", path.contains('{')),
        ("413", "PayloadTooLarge", json_body),
        ("415", "UnsupportedMediaType", json_body),
        ("422", "UnprocessableEntity", json_body),
        ("503", "ServiceUnavailable", path.starts_with("/api/") || path == "/readyz"),
    ];
    for (status, response, applies) in shared {
        if applies {
            operation
                .responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| RefOr::Ref(utoipa::openapi::Ref::from_response_name(response)));
        }
    }
}

/// The `Allow` header for a path served with `methods`.
fn allow_header<'a>(methods: impl Iterator<Item = &'a HttpMethod>) -> String {
    let methods: Vec<&HttpMethod> = methods.collect();
    METHOD_ORDER
        .iter()
        .filter(|known| methods.contains(known))
        .map(|method| actix_method(method).as_str().to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_methods_in_the_usual_order() {
        let methods = [HttpMethod::Delete, HttpMethod::Get, HttpMethod::Patch];
        assert_eq!(allow_header(methods.iter()), "GET, PATCH, DELETE");
        assert_eq!(allow_header([HttpMethod::Post, HttpMethod::Get].iter()), "GET, POST");
    }
}
